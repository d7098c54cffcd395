/** The Probot app: maps webhook events to use-cases. Handlers stay thin. (Being built: see issue 2.) */
import type { Probot } from "probot";

export interface VouchAppOptions {
  /** Clock for the trusted observation time; injected so tests are deterministic. */
  now?: () => Date;
}

export default function vouchApp(app: Probot, _options: VouchAppOptions = {}): void {
  app.log.info("vouch app loaded");
}
