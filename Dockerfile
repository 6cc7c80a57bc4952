# syntax=docker/dockerfile:1
# Multi-stage: dependencies are installed once with the lock file, the runtime image holds only
# production dependencies, runs as a non-root user and checks its own health.
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# The embedded PostgreSQL and the bundled Node are for laptops and CI; the image uses DATABASE_URL.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:24-slim
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY src ./src
COPY migrations ./migrations
COPY manifests ./manifests
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "src/main.ts"]
