import { CopyJobsPage } from '@/components/copy-jobs/CopyJobsPage';

export const metadata = { title: 'Copy jobs' };

export default function Page() {
  return <CopyJobsPage />;
}
