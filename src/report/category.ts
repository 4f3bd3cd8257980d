// The run's `category`: SARIF's `runAutomationDetails.id` and the tag our review comments carry.
//
// Code scanning reads the id's category as everything up to its last `/` (the rest names one run), so an
// id without a `/` has the empty category, and two differently named runs would replace each other's
// alerts. upload-sarif appends the `/` to its own category input for the same reason. The category is
// therefore always kept with a trailing `/`; comment markers written with the bare form by 0.1.0 still
// match, because both sides are normalised before they are compared.

/** The `category` input's default. Markers written before they carried a category belong to it. */
export const DEFAULT_CATEGORY = 'vulnreview/';

/** `vulnreview-gpu` → `vulnreview-gpu/`; blank → the default; one already ending in `/` is unchanged. */
export function normalizeCategory(category: string): string {
  const trimmed = category.trim();
  if (trimmed === '') return DEFAULT_CATEGORY;
  return trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
}
