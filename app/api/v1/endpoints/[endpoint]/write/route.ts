import { directCallRoute } from '@/server/api/direct-call';

/** Commands on the endpoint's write connection (operators and admins). */
export const POST = directCallRoute('write');
