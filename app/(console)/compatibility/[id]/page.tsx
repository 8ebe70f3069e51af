import '@mantine/charts/styles.css';
import { ReportDetail } from '@/components/compat/ReportDetail';

export const metadata = { title: 'Compatibility report' };

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <ReportDetail id={decodeURIComponent(id)} />;
}
