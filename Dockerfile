# syntax=docker/dockerfile:1
# Multi-stage: dependencies are installed once with the lock file, the runtime image holds only
# production dependencies, runs as a non-root user and checks its own health.
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# The embedded PostgreSQL and the bundled Node are for laptops and CI; the image uses DATABASE_URL.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# The service runs as JavaScript built by `npm run build` (tsconfig.build.json): running .ts directly
# would load Node's type stripper, about 18 MB resident for the life of the process.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --no-audit --no-fund
COPY src ./src
COPY migrations ./migrations
RUN npm run build

FROM node:24-slim
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY src ./src
COPY migrations ./migrations
COPY manifests ./manifests
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# A 4 MB young generation: an idle service otherwise keeps ~30 MB of swept garbage (docs/benchmarks.md).
# The operator CLI (bin/greenlight.mjs, `docker exec ... npx greenlight`) still runs src/ directly.
CMD ["node", "--max-semi-space-size=4", "dist/src/main.js"]
