import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // The custom server (server/main.ts) owns the process; route handlers run inside it.
  reactStrictMode: true,
  poweredByHeader: false,
  typedRoutes: false,
  // Node-only libraries used by route handlers through the shared context stay external.
  serverExternalPackages: ['pino', 'ioredis', '@electric-sql/pglite', 'pglite-prisma-adapter', '@prisma/adapter-pg', 'pg', 'socket.io'],
  experimental: { optimizePackageImports: ['@mantine/core', '@mantine/charts', '@tabler/icons-react'] },
};

export default nextConfig;
