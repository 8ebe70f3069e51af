import type { Metadata } from 'next';
import { EndpointsList } from '@/components/endpoints/EndpointsList';

export const metadata: Metadata = { title: 'Endpoints' };

export default function EndpointsPage() {
  return <EndpointsList />;
}
