/** A test Octokit: Probot's class with retries and throttling off (function form of defaults, see probot#2039). */
import { ProbotOctokit } from "probot";
import type { GitHubClient } from "../../src/github/client.js";

export const API = "https://api.github.com";

export function testOctokit(): GitHubClient {
  const Octokit = ProbotOctokit.defaults((o: Record<string, unknown>) => ({
    ...o,
    retry: { enabled: false },
    throttle: { enabled: false },
  }));
  return new Octokit({ auth: { token: "ghs_test" } }) as GitHubClient;
}
