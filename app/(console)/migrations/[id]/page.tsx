import '@mantine/charts/styles.css';
import { RunPage } from '@/components/migrations/RunPage';

export const metadata = { title: 'Migration' };

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <RunPage id={decodeURIComponent(id)} />;
}
