// Preloaded (node --require) into a process under test: on exit, writes every module file it
// loaded to $LOADED_MODULES_FILE as a JSON array. CommonJS modules from require.cache; ES modules
// (Lighthouse is one) from a module.registerHooks resolve hook, which sees import() too.
const fs = require('node:fs');
const { fileURLToPath } = require('node:url');

const resolved = new Set();
try {
  require('node:module').registerHooks({
    resolve(specifier, context, nextResolve) {
      const result = nextResolve(specifier, context);
      if (result.url.startsWith('file:')) resolved.add(fileURLToPath(result.url));
      return result;
    },
  });
} catch {
  // Node without module.registerHooks: require.cache alone.
}

process.on('exit', () => {
  const files = new Set([...resolved, ...Object.keys(require.cache)]);
  fs.writeFileSync(process.env.LOADED_MODULES_FILE, JSON.stringify([...files]));
});
