/**
 * What the tests of the Alfresco and CMIS connector definitions share: the examples their admin guides
 * (docs/connectors/*.md) carry, the extension's messages, a connection made from a managed policy as the
 * background makes it, and presets carrying one connector's mapping, checked by the extension and by the
 * published JSON Schema alike.
 */
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020';
import { expect } from 'vitest';
import type { Connector } from '../../utils/connectors/connector.ts';
import { connectorDefinitions } from '../../utils/connectors/index.ts';
import { presetsJsonSchema } from '../../utils/presets/json-schema.ts';
import { checkPolicy } from '../../utils/presets/sources.ts';
import { validatePresets } from '../../utils/presets/validate.ts';
import { buildDefaults, connectionState, type SavedConnection } from '../../utils/settings.ts';
import { memoryCredentials } from './alfresco/support.ts';

/** The JSON example marked `<!-- example: name -->` in docs/connectors/<guide>.md. */
export function guideExample(guide: string, name: string): Record<string, unknown> {
  const text = readFileSync(new URL(`../../docs/connectors/${guide}.md`, import.meta.url), 'utf8');
  const block = new RegExp(`<!-- example: ${name} -->\\s*\`\`\`json\\n([\\s\\S]*?)\`\`\``).exec(text);
  if (!block) throw new Error(`docs/connectors/${guide}.md lost its example "${name}"`);
  return JSON.parse(block[1]!);
}

/** The labels of the fields no language of the extension lacks (English and French). */
export function unlabelled(fields: readonly { key: string; labelKey?: string | undefined }[]): string[] {
  const missing: string[] = [];
  for (const lang of ['en', 'fr']) {
    const messages = JSON.parse(readFileSync(`public/_locales/${lang}/messages.json`, 'utf8')) as Record<
      string,
      unknown
    >;
    for (const field of fields) if (messages[field.labelKey!] === undefined) missing.push(`${lang}: ${field.key}`);
  }
  return missing;
}

/**
 * The connection the background makes from a managed policy (over what the user saved), and the connector it
 * creates with the password `pw`; throws when the policy itself is refused.
 */
export function connectFromPolicy(managed: unknown, saved?: SavedConnection) {
  const policy = checkPolicy(managed);
  if (!policy?.ok) throw new Error(JSON.stringify(policy));
  const state = connectionState(
    saved,
    buildDefaults({}),
    {
      repositoryUrl: policy.repositoryUrl,
      connector: policy.connector,
      connectorOptions: policy.connectorOptions,
      locked: policy.layer.locked ?? [],
    },
    connectorDefinitions,
  );
  const connector = (): Connector =>
    state.definition!.create(state.checked!, {
      fetch,
      now: Date.now,
      credentials: memoryCredentials({ password: 'pw' }),
    });
  return { state, connector };
}

/** Presets with an HR and a finance series whose `connectors` section holds one connector's mapping. */
export function presetsWith(connectorId: string, mapping: unknown) {
  return {
    version: 1,
    filePlan: [
      { id: 'HR', title: 'HR', children: [{ id: 'HR/2.3', title: 'Grievances' }] },
      { id: 'FIN', title: 'Finance', children: [{ id: 'FIN/1', title: 'Invoices' }] },
    ],
    connectors: { [connectorId]: mapping },
  };
}

/**
 * Whether the extension (validatePresets) and the published JSON Schema each take presets (presetsWith) whose
 * section for `connectorId` is a given mapping.
 */
export function presetsVerdicts(connectorId: string) {
  const schema = new Ajv2020({ strict: false }).compile(presetsJsonSchema());
  return (mapping: unknown) => {
    const document = presetsWith(connectorId, mapping);
    const extension = validatePresets(document);
    return {
      extension: extension.ok,
      schema: schema(document),
      problems: extension.ok ? [] : extension.problems,
      schemaErrors: schema.errors ?? [],
    };
  };
}

/**
 * Runs `body` against a started vendor fake, checks that the fake saw no request outside the vendor's API
 * definitions, and closes it whatever happens.
 */
export async function checkedFake<Fake extends { readonly violations: string[]; close(): Promise<void> }>(
  fake: Fake,
  body: (fake: Fake) => Promise<void>,
): Promise<void> {
  try {
    await body(fake);
    expect(fake.violations).toEqual([]);
  } finally {
    await fake.close();
  }
}

/** A managed policy as Firefox passes it (`connectorOptions` an object) and as Chrome does (a JSON string). */
export function asFirefoxAndChrome(policy: Record<string, unknown>): Record<string, unknown>[] {
  return [policy, { ...policy, connectorOptions: JSON.stringify(policy.connectorOptions) }];
}
