import '@mantine/charts/styles.css';
import { InterlayDetail } from '@/components/interlays/InterlayDetail';

export const metadata = { title: 'Interlay' };

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <InterlayDetail id={decodeURIComponent(id)} />;
}
