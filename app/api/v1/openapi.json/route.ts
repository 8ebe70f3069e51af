import { openApiDocument } from '@/server/api/openapi';
import { route } from '@/server/api/route';

/** The OpenAPI 3.1 document of every /api/v1 route. */
export const GET = route({ permission: 'read' }, async ({ ctx }) => openApiDocument(ctx.version));
