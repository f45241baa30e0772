# syntax=docker/dockerfile:1
# Three stages: compile with dev dependencies, install production dependencies (with the
# toolchain better-sqlite3's native addon may need), then a runtime with neither toolchain nor
# dev dependencies. No secret is baked in: everything comes from the environment at run time.
ARG NODE_IMAGE=node:20-bookworm-slim

# 1. Compile TypeScript: the lastfm-sign-in workspace package first, then the app on it.
#    Install scripts are skipped: tsc needs no native addon.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/lastfm-sign-in/package.json ./packages/lastfm-sign-in/
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY packages/lastfm-sign-in ./packages/lastfm-sign-in
COPY src ./src
RUN npm run build

# 2. Production dependencies only. better-sqlite3 uses a prebuilt binary when one matches and
#    falls back to node-gyp, which needs python3, make and g++.
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
# hadolint ignore=DL3008
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY packages/lastfm-sign-in/package.json ./packages/lastfm-sign-in/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# 3. Runtime: the compiled app and library, production node_modules (with the built addon, and
#    node_modules/lastfm-sign-in linking to packages/lastfm-sign-in), non-root.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/app/data
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY packages/lastfm-sign-in/package.json ./packages/lastfm-sign-in/
COPY --from=build /app/packages/lastfm-sign-in/dist ./packages/lastfm-sign-in/dist
COPY packages/lastfm-sign-in/views ./packages/lastfm-sign-in/views
COPY packages/lastfm-sign-in/assets ./packages/lastfm-sign-in/assets
COPY views ./views
COPY public ./public
# Where the default SQLite session store lives; mount a volume here so sessions outlive the container.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME /app/data
USER node
EXPOSE 3000
# /healthz also answers at the root when PUBLIC_URL has a sub-path (the app re-adds the prefix).
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/server.js"]
