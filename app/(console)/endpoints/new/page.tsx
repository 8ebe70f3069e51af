import type { Metadata } from 'next';
import { EndpointCreate } from '@/components/endpoints/EndpointEdit';

export const metadata: Metadata = { title: 'New endpoint' };

export default function NewEndpointPage() {
  return <EndpointCreate />;
}
