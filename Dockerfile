# Candour in production mode. Mount the force keys at /app/keys (or bake them in
# from keys/) and keep /data on a volume: it holds the store and the peppers,
# without which no reporter can ever come back.
FROM node:20-bookworm-slim

WORKDIR /app

# tsx and sass are runtime dependencies (the service runs TypeScript through tsx
# and the stylesheet is built here), so the dev dependencies can be left out.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY src ./src
COPY templates ./templates
COPY keys ./keys
COPY scripts ./scripts
RUN npm run build:css

# The same memory settings as `npm start` (measured in docs/performance.md).
ENV NODE_ENV=production HOST=0.0.0.0 DATA_DIR=/data MALLOC_ARENA_MAX=2
# A fresh volume takes this directory's owner, so the non-root user can write it.
RUN mkdir -p /data && chown node:node /data
VOLUME /data

# The code stays owned by root: the service cannot change it.
USER node
EXPOSE 8080
CMD ["node", "--max-semi-space-size=2", "--import", "tsx", "src/main.ts"]
