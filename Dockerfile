# Candour in production mode, compiled: the build stage turns the TypeScript into JavaScript and
# builds the stylesheet; the runtime stage holds the production dependencies and that output only
# (no tsx, no Sass, no compiler). Mount the force keys at /app/keys (or bake them in from keys/)
# and keep /data on a volume: it holds the store and the peppers, without which no reporter can
# ever come back. It runs with a read-only root file system and no /tmp: nothing is written
# outside /data. See docs/operations.md and deploy/.
#
# Behind a TLS-intercepting proxy, give npm the proxy's authority at build time only, e.g.
#   podman build -v "$PWD/ca:/usr/local/etc:ro" .   (ca/ holds ca.crt and an npmrc: cafile=/usr/local/etc/ca.crt)
# A build-time mount leaves nothing in the image.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm 10 can end `npm ci` with "Exit handler never called!" and status 0 after a failed download,
# so `npm ls` must then find every locked package in place, or the build stops here.
RUN npm ci --no-audit --no-fund --ignore-scripts && npm ls --all >/dev/null
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
COPY templates ./templates
RUN node --import tsx scripts/build.ts && rm -f templates/static/*.scss

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# openpgp's optional peer @openpgp/web-stream-tools (types only; openpgp never imports it) pulls
# in the TypeScript compiler as its own optional peer: both go, and the checks below prove that no
# compiler, tsx or Sass is left and that openpgp still loads.
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts \
  && npm ls --omit=dev --all >/dev/null \
  && rm -rf node_modules/typescript node_modules/@openpgp/web-stream-tools node_modules/.bin/tsc node_modules/.bin/tsserver \
  && test ! -e node_modules/tsx && test ! -e node_modules/sass && test ! -e node_modules/typescript \
  && node -e "import('openpgp').then((m) => { if (typeof m.encrypt !== 'function') process.exit(1) })" \
  && npm cache clean --force && rm -rf /root/.npm /tmp/* /tmp/.[!.]*
COPY --from=build /app/dist ./dist
COPY --from=build /app/templates ./templates
COPY keys ./keys

# The same memory settings as `npm start` (measured in docs/performance.md). The reporter listener
# binds every address of the container; the workspace's only its loopback, so a careless `-p 8081`
# publishes nothing and only a tor in the same network namespace (deploy/compose.yaml) reaches it.
ENV HOST=0.0.0.0 REVIEW_HOST=127.0.0.1 DATA_DIR=/data KEYS_DIR=/app/keys MALLOC_ARENA_MAX=2
# A fresh volume takes this directory's owner, so the non-root user can write it.
RUN mkdir -p /data && chown node:node /data && chmod 700 /data
VOLUME /data

# The code stays owned by root: the service cannot change it.
USER node
EXPOSE 8080
# No curl or wget in the image: the command line asks the running server over its control socket
# and its listeners over loopback.
HEALTHCHECK --interval=30s --timeout=30s --start-period=120s --retries=3 CMD ["node", "dist/cli/index.js", "health"]
CMD ["node", "--max-semi-space-size=2", "dist/main.js"]
