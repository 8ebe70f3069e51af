import { InterlaysPage } from '@/components/interlays/InterlaysPage';

export const metadata = { title: 'Interlays' };

export default function Page() {
  return <InterlaysPage />;
}
