# Sitewarden's images, from the production build (docs/deploy.md#images). Two targets:
#   app      the API, the main worker and `migrate` (no Chromium): docker build --target app .
#   browser  the browser worker: the same, plus Debian's Chromium:  docker build --target browser .
# docker-compose.yml builds both.

# ---- build: all dependencies, npm run build, then only the runtime dependencies are kept
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# prisma generate (offline), tsc to dist/, the workflow bundle, the dashboard (scripts/build.mjs).
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# ---- what both images run: dist/, the runtime node_modules, the migrations
FROM node:24-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The dashboard's built assets, served at / (src/api/routes/dashboard.ts finds them beside dist/).
COPY --from=build /app/web/dist ./web/dist
# `node dist/cli/main.js migrate` reads prisma/migrations (src/platform/migrate.ts).
COPY --from=build /app/prisma ./prisma

FROM runtime AS app
USER node
EXPOSE 3000
# The node flags: src/platform/node-flags.ts (the workers' are in docker-compose.yml's commands).
CMD ["node", "--max-semi-space-size=4", "--optimize-for-size", "--v8-pool-size=1", "dist/api/main.js"]

FROM runtime AS browser
RUN apt-get update \
  && apt-get install -y --no-install-recommends chromium fonts-liberation ca-certificates \
  && rm -rf /var/lib/apt/lists/*
ENV CHROME_PATH=/usr/bin/chromium
USER node
CMD ["node", "--max-semi-space-size=4", "dist/worker.js", "--role", "browser"]
