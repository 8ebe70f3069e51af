import type { Metadata } from 'next';
import { EndpointDetail } from '@/components/endpoints/EndpointDetail';

type Props = { params: Promise<{ name: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: decodeURIComponent((await params).name) };
}

export default async function EndpointPage({ params }: Props) {
  const { name } = await params;
  return <EndpointDetail name={decodeURIComponent(name)} />;
}
