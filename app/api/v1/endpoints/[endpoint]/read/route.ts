import { directCallRoute } from '@/server/api/direct-call';

/** Read-only commands on the endpoint's read connection; write/admin commands get a 400. */
export const POST = directCallRoute('read');
