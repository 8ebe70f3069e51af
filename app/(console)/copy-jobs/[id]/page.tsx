import '@mantine/charts/styles.css';
import { CopyJobDetail } from '@/components/copy-jobs/CopyJobDetail';

export const metadata = { title: 'Copy job' };

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <CopyJobDetail id={decodeURIComponent(id)} />;
}
