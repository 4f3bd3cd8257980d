// A broken verdict cache (an unwritable folder, a full disk) fails the same way for every function: the
// user needs to hear it once, with what to do, not once per function.

/** Reports the first cache failure and how to fix it; later ones would only repeat it. */
export function onceCacheWarning(write: (text: string) => void, dir: string): (error: Error) => void {
  let warned = false;
  return (error) => {
    if (warned) return;
    warned = true;
    write(
      `vulnreview: warning: verdict cache ${dir}: ${error.message}; going on without it (check the folder, or pass --no-cache)\n`,
    );
  };
}
