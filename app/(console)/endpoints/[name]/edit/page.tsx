import type { Metadata } from 'next';
import { EndpointEdit } from '@/components/endpoints/EndpointEdit';

type Props = { params: Promise<{ name: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Edit ${decodeURIComponent((await params).name)}` };
}

export default async function EditEndpointPage({ params }: Props) {
  const { name } = await params;
  return <EndpointEdit name={decodeURIComponent(name)} />;
}
