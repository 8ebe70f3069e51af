import { MigrationsPage } from '@/components/migrations/MigrationsPage';

export const metadata = { title: 'Guided migrations' };

export default function Page() {
  return <MigrationsPage />;
}
