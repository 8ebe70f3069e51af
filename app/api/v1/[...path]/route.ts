import { unknownRoute } from '@/server/api/route';

/** Any /api/v1 path no other route serves (Next matches catch-alls last). */
export const GET = unknownRoute;
export const POST = unknownRoute;
export const PUT = unknownRoute;
export const PATCH = unknownRoute;
export const DELETE = unknownRoute;
