import type { Metadata } from 'next';
import { ConsoleShell } from '@/components/shell/ConsoleShell';
import { NotFoundContent } from '@/components/shell/NotFound';

export const metadata: Metadata = { title: 'Page not found' };

/**
 * Any URL no route matches. The root not-found renders under the root layout only, not the
 * (console) group's, so it puts the shell around itself: a mistyped address still looks like
 * the console, with its navigation, instead of Next's bare 404.
 */
export default function NotFound() {
  return (
    <ConsoleShell>
      <NotFoundContent />
    </ConsoleShell>
  );
}
