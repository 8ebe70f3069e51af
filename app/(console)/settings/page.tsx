import type { Metadata } from 'next';
import { Suspense } from 'react';
import { SettingsPage } from '@/components/settings/SettingsPage';

export const metadata: Metadata = { title: 'Users & tokens' };

export default function Settings() {
  return (
    <Suspense>
      <SettingsPage />
    </Suspense>
  );
}
