-- AlterEnum
ALTER TYPE "DeliveryStatus" ADD VALUE 'sending';
