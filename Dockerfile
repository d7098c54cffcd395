# syntax=docker/dockerfile:1
# Vouch: one image for every role. `docker run IMAGE` serves role all (set VOUCH_ROLE, or pass
# `serve --role ingress|worker`); `docker run IMAGE sweep` runs the redelivery sweeper once.
# docs/operations.md explains the environment, the data volume and the probes.

ARG NODE_IMAGE=node:20-bookworm-slim

# --- build: compile TypeScript and the native addons (re2, better-sqlite3; sodium-native ships prebuilt) ---
FROM ${NODE_IMAGE} AS build
# node-gyp's tool chain, for when no prebuilt binary of re2 or better-sqlite3 matches the platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# Dependencies first (cached while only sources change); the root `prepare` (a build) waits for the sources.
RUN npm ci --ignore-scripts \
 && npm rebuild re2 better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev \
 && node -e "require('re2'); require('better-sqlite3')(':memory:').close(); require('sodium-native')"

# --- runtime: Node, git (Vouch reads fetched objects with git cat-file), the built app ---
FROM ${NODE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    VOUCH_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/lib ./lib
COPY app.yml ./app.yml
COPY policies ./policies
# The data directory (signing key when generated, SQLite ledger, git object cache) belongs to the
# unprivileged `node` user (uid 1000) of the base image. No *.pem in /app: Probot would load one.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
# Liveness only: a database or Redis outage must not get a healthy container restarted (see /readyz).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "lib/cli/main.js"]
CMD ["serve"]
