import { CompatReportsPage } from '@/components/compat/CompatReportsPage';

export const metadata = { title: 'Compatibility' };

export default function Page() {
  return <CompatReportsPage />;
}
