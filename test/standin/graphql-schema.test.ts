import { describe, test, expect } from "@jest/globals";
import { readFileSync } from "node:fs";
import {
  buildClientSchema,
  buildSchema,
  isEnumType,
  isInterfaceType,
  isObjectType,
  isScalarType,
  isUnionType,
  parse,
  validate,
  type GraphQLSchema,
  type IntrospectionQuery,
} from "graphql";
import { GITHUB_SDL_SUBSET } from "./graphql-schema.js";
import { ALL_QUERIES } from "../../src/github/queries.js";
import { REVIEW_QUERIES } from "../../src/github/review-queries.js";

const github: GraphQLSchema = buildClientSchema(
  JSON.parse(readFileSync(new URL("../../node_modules/@octokit/graphql-schema/schema.json", import.meta.url), "utf8")) as IntrospectionQuery,
);
const subset = buildSchema(GITHUB_SDL_SUBSET);

/** Every difference between the subset and GitHub's schema; empty when the subset invents nothing. */
function drift(subset: GraphQLSchema): string[] {
  const problems: string[] = [];
  for (const type of Object.values(subset.getTypeMap())) {
    if (type.name.startsWith("__")) continue;
    const theirs = github.getType(type.name);
    if (!theirs) {
      if (!isScalarType(type) || !["String", "Int", "Boolean", "ID", "Float"].includes(type.name)) problems.push(`type ${type.name} does not exist`);
      continue;
    }
    if (theirs.constructor !== type.constructor) problems.push(`${type.name} is a ${theirs.constructor.name} on GitHub`);
    if (isUnionType(type) && isUnionType(theirs)) {
      const members = new Set(theirs.getTypes().map((t) => t.name));
      for (const t of type.getTypes()) if (!members.has(t.name)) problems.push(`${t.name} is not a member of ${type.name}`);
    }
    if (isEnumType(type) && isEnumType(theirs)) {
      const values = new Set(theirs.getValues().map((v) => v.name));
      for (const v of type.getValues()) if (!values.has(v.name)) problems.push(`${type.name}.${v.name} is not a value`);
    }
    if ((isObjectType(type) || isInterfaceType(type)) && (isObjectType(theirs) || isInterfaceType(theirs))) {
      const fields = theirs.getFields();
      for (const field of Object.values(type.getFields())) {
        const their = fields[field.name];
        if (!their) {
          problems.push(`${type.name}.${field.name} does not exist`);
          continue;
        }
        if (String(their.type) !== String(field.type)) problems.push(`${type.name}.${field.name} is ${their.type}, not ${field.type}`);
        for (const arg of field.args) {
          const theirArg = their.args.find((a) => a.name === arg.name);
          if (!theirArg) problems.push(`${type.name}.${field.name}(${arg.name}) does not exist`);
          else if (String(theirArg.type) !== String(arg.type)) problems.push(`${type.name}.${field.name}(${arg.name}) is ${theirArg.type}`);
        }
      }
      if (isObjectType(type) && isObjectType(theirs)) {
        const interfaces = new Set(theirs.getInterfaces().map((i) => i.name));
        for (const i of type.getInterfaces()) if (!interfaces.has(i.name)) problems.push(`${type.name} does not implement ${i.name}`);
      }
    }
  }
  return problems;
}

describe("GraphQL schema subset", () => {
  test("every type, field, argument and enum value exists in GitHub's schema with the same type", () => {
    expect(drift(subset)).toEqual([]);
  });

  test("the check catches invented fields, wrong types, arguments and enum values", () => {
    const invented = buildSchema(
      GITHUB_SDL_SUBSET.replace("isDraft: Boolean!", "isDraft: Boolean!\n  reviewCountTotal: Int")
        .replace("number: Int!\n  title", "number: String!\n  title")
        .replace("pullRequest(number: Int!)", "pullRequest(number: Int!, fresh: Boolean)")
        .replace("  PENDING\n", "  PENDING\n  VETOED\n")
        .replace("union PullRequestTimelineItems = HeadRefForcePushedEvent", "union PullRequestTimelineItems = HeadRefForcePushedEvent | Tree"),
    );
    expect(drift(invented)).toEqual(
      expect.arrayContaining([
        "PullRequest.reviewCountTotal does not exist",
        "PullRequest.number is Int!, not String!",
        "Repository.pullRequest(fresh) does not exist",
        "PullRequestReviewState.VETOED is not a value",
        "Tree is not a member of PullRequestTimelineItems",
      ]),
    );
  });

  test("a query shaped like Vouch's validates against both GitHub's schema and the subset", () => {
    const query = parse(`
      query ($owner: String!, $name: String!, $number: Int!, $after: String) {
        rateLimit { cost remaining resetAt }
        repository(owner: $owner, name: $name) {
          pullRequest(number: $number) {
            number headRefOid headRefName baseRefName baseRefOid isDraft
            author { login ... on User { databaseId } }
            files(first: 100, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { path changeType } }
            commits(first: 100) { totalCount pageInfo { hasNextPage endCursor } nodes { commit {
              oid tree { oid } message parents(first: 2) { nodes { oid } }
              author { email name user { login databaseId } } committer { email name user { login databaseId } } } } }
            latestOpinionatedReviews(first: 100) { nodes { state submittedAt commit { oid } author { login ... on User { databaseId } } } }
            reviews(first: 100) { nodes { databaseId state commit { oid } author { login } } }
          }
        }
        organization(login: $owner) { team(slug: "x") { members(first: 100) { nodes { login databaseId } pageInfo { hasNextPage endCursor } } } }
      }`);
    expect(validate(github, query)).toEqual([]);
    expect(validate(subset, query)).toEqual([]);
  });

  test("every GraphQL document Vouch sends is answerable by the stand-in", () => {
    for (const [name, document] of Object.entries({ ...ALL_QUERIES, ...REVIEW_QUERIES })) {
      expect({ name, errors: validate(subset, parse(document)).map((e) => e.message) }).toEqual({ name, errors: [] });
    }
  });
});
