import type { Metadata } from 'next';
import { NotFoundContent } from '@/components/shell/NotFound';

export const metadata: Metadata = { title: 'Page not found' };

/** `notFound()` from a console page: the (console) layout already wraps this in the shell. */
export default function ConsoleNotFound() {
  return <NotFoundContent />;
}
