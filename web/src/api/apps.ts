// Applications: the shapes the pages use and loading every page of them.

import { api, type Page } from './client';

export interface Application {
  id: number;
  job_id: number;
  title: string;
  company: string;
  location: string | null;
  board: string;
  status: string;
  search_term: string | null;
  created_at: string;
  updated_at: string;
  applied_at: string | null;
}

/** Every application (the board shows them all), 100 a request. */
export async function loadAllApplications(filter = ''): Promise<Application[]> {
  const first = await api.get<Page<Application>>(`/job-applications?per_page=100&page=1${filter}`);
  const rest = [];
  for (let p = 2; p <= first.pages; p++) rest.push(api.get<Page<Application>>(`/job-applications?per_page=100&page=${p}${filter}`));
  const pages = await Promise.all(rest);
  return first.items.concat(...pages.map((x) => x.items));
}

export function setStatus(id: number, status: string, note?: string): Promise<Application> {
  return api.put<Application>(`/job-applications/${id}/status`, note ? { status, note } : { status });
}
