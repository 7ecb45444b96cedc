# syntax=docker/dockerfile:1
# The production image of the platform: one image, three entry points (API, workers, migrations), on Node.js 24 LTS.
#   docker build -t ebidding .
#   docker run --rm ebidding node -r tsconfig-paths/register dist/scripts/prepare-db.js   # migrations (deploy step)
#   docker run ebidding                                                                   # API      (default CMD)
#   docker run ebidding node -r tsconfig-paths/register dist/src/main.worker.js           # workers
# docker-compose.yml runs all three beside PostgreSQL and Redis (`docker compose up`).

ARG NODE_IMAGE=node:26-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# The image's own Node is the runtime; the `node` devDependency (the runtime for machines with an older system Node)
# is not needed here.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts \
 && rm -rf node_modules/node node_modules/.bin/node
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
COPY migrations ./migrations
COPY scripts/prepare-db.ts ./scripts/prepare-db.ts
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    TS_NODE_BASEURL=./dist \
    PORT=3000
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json /app/tsconfig.json ./
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
# Runtime state (the generated receipt key and, outside production, generated secrets) lives in ./.data.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "-r", "tsconfig-paths/register", "dist/src/main.api.js"]
