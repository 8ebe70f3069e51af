import { redirect } from 'next/navigation';

/** The console starts at the endpoint list; the shell sends signed-out users to /login. */
export default function Home() {
  redirect('/endpoints');
}
