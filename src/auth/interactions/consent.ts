import type { Knex } from 'knex';
import type { Client, InteractionResults } from 'oidc-provider';
import type Provider from 'oidc-provider';
import { highestRole, type Role } from '../../contract/roles.js';
import type { MembershipWithOrganization } from '../accounts/account-rows.js';
import { clientExtras } from '../provider/client-extras.js';
import { effectiveRole, oidcScopesOf, splitScope, withRole } from '../provider/scopes.js';
import { findGrantOrganization, setGrantOrganization } from '../storage/oidc-rows.js';

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

export interface ConsentPlan {
  organization: MembershipWithOrganization;
  role: Role;
  /** The role the request asked for, when it was more than the client or user may have. */
  askedRole: Role | undefined;
  scope: string;
}

/** What a consent for `organization` would grant (issue 3: client ∩ request ∩ user's role). */
export function planConsent(interaction: Interaction, client: Client, organization: MembershipWithOrganization): ConsentPlan {
  const requested = interaction.params.scope as string | undefined;
  const role = effectiveRole({ clientMax: clientExtras(client).maxRole, requested, userRole: organization.role });
  const askedRole = highestRole(splitScope(requested));
  return { organization, role, askedRole: askedRole !== undefined && askedRole !== role ? askedRole : undefined, scope: withRole(requested, role) };
}

/**
 * A consent the user gave before covers this request when it was for the same organization and
 * already holds the role and every OIDC scope now asked for: remembered per client and scope set.
 */
export async function rememberedConsent(knex: Knex, provider: Provider, interaction: Interaction, client: Client, memberships: MembershipWithOrganization[]): Promise<ConsentPlan | undefined> {
  if (!interaction.grantId || interaction.prompt.reasons.includes('consent_prompt')) return undefined;
  const grant = await provider.Grant.find(interaction.grantId);
  const organizationId = grant ? await findGrantOrganization(knex, interaction.grantId) : undefined;
  const organization = memberships.find((m) => m.organizationId === organizationId);
  if (!grant || !organization) return undefined;
  const plan = planConsent(interaction, client, organization);
  const grantedOidc = new Set(splitScope(grant.getOIDCScope()));
  const grantedRoles = new Set(splitScope(grant.getResourceScope(resourceOf(interaction))));
  const covered = grantedRoles.has(plan.role) && oidcScopesOf(plan.scope).every((s) => grantedOidc.has(s));
  return covered ? plan : undefined;
}

const resourceOf = (interaction: Interaction) => interaction.params.resource as string;

/**
 * Records the consent as a grant for the chosen organization and lets the authorization resume
 * with the scope actually granted (the downgraded role replaces the one asked for).
 */
export async function approveConsent(knex: Knex, provider: Provider, interaction: Interaction, accountId: string, plan: ConsentPlan): Promise<string> {
  const clientId = interaction.params.client_id as string;
  let grant = interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined;
  // A grant belongs to one organization; consenting for another one starts a new grant.
  if (grant && (await findGrantOrganization(knex, interaction.grantId!)) !== plan.organization.organizationId) grant = undefined;
  const isNew = !grant;
  grant ??= new provider.Grant({ accountId, clientId });
  const oidc = oidcScopesOf(plan.scope);
  if (oidc.length > 0) grant.addOIDCScope(oidc.join(' '));
  grant.addResourceScope(resourceOf(interaction), plan.role);
  const grantId = await grant.save();
  if (isNew) await setGrantOrganization(knex, grantId, plan.organization.organizationId);

  interaction.params.scope = plan.scope;
  const result: InteractionResults = { ...interaction.lastSubmission, consent: { grantId } };
  interaction.result = result;
  await interaction.persist();
  return interaction.returnTo;
}

/** The built-in account client (account/first-party-client.ts) only needs a session: no consent page, no role. */
export async function approveFirstParty(provider: Provider, interaction: Interaction, accountId: string): Promise<string> {
  const grant = (interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined)
    ?? new provider.Grant({ accountId, clientId: interaction.params.client_id as string });
  grant.addOIDCScope('openid');
  const grantId = await grant.save();
  interaction.params.scope = 'openid';
  interaction.result = { ...interaction.lastSubmission, consent: { grantId } };
  await interaction.persist();
  return interaction.returnTo;
}
