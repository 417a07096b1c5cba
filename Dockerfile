# syntax=docker/dockerfile:1
# Build: compile TypeScript and bundle the widget with the dev dependencies, then keep only production ones.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
COPY views ./views
# The chat widget: browser TypeScript bundled by esbuild into dist/widget/widget.js.
COPY widget ./widget
COPY scripts/build-widget.ts ./scripts/
RUN npm run build && npm prune --omit=dev

FROM node:22-bookworm-slim
# HOST: the gateway binds to loopback unless told otherwise; in a container it must listen on the
# container's interface for the published port to reach it.
ENV NODE_ENV=production \
    DATA_DIR=/var/lib/gatehouse \
    HOST=0.0.0.0 \
    PORT=8080
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY config ./config
COPY views ./views
# The guides the API reference at /docs links to.
COPY docs ./docs
RUN mkdir -p /var/lib/gatehouse && chown node:node /var/lib/gatehouse
USER node
EXPOSE 8080
VOLUME ["/var/lib/gatehouse"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/gatehouse.js"]
CMD ["start"]
