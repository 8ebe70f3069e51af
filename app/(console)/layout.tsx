import type { ReactNode } from 'react';
import { ConsoleShell } from '@/components/shell/ConsoleShell';

/** Every signed-in page shares the app shell (navbar, header, user menu, socket). */
export default function ConsoleLayout({ children }: { children: ReactNode }) {
  return <ConsoleShell>{children}</ConsoleShell>;
}
