// Drives cloudmock/oci with the OCI TypeScript SDK (oci-core, compiled
// JavaScript) configured from the environment that `mcnlab cloudmock env
// --provider oci` prints: OCI_CONFIG_FILE, OCI_CLI_PROFILE and
// MCNLAB_OCI_ENDPOINT. Each request is signed by the SDK's own signer.
// It makes a VCN, a subnet, a security list and a DRG, waits for each
// with the SDK's waiters, lists, updates with the ETag (a stale one must
// be 412 NoEtagMatch), deletes them, and checks that a request signed
// with another key is 401 NotAuthenticated. It prints one JSON line of
// what it saw; an unexpected answer exits 1.
"use strict";
const crypto = require("crypto");
const common = require("oci-common");
const core = require("oci-core");

const provider = new common.ConfigFileAuthenticationDetailsProvider(process.env.OCI_CONFIG_FILE, process.env.OCI_CLI_PROFILE);
const tenancy = provider.getTenantId();

function client(auth) {
  const c = new core.VirtualNetworkClient({ authenticationDetailsProvider: auth });
  c.endpoint = process.env.MCNLAB_OCI_ENDPOINT;
  return c;
}

// waitCfg polls every 50 ms for up to 20 s.
const waitCfg = {
  terminationStrategy: new common.MaxTimeTerminationStrategy(20),
  delayStrategy: new common.FixedTimeDelayStrategy(0.05),
};

async function refused(p, status, code) {
  try {
    await p;
  } catch (e) {
    if (e.statusCode === status && e.serviceCode === code) {
      return `${status} ${code}`;
    }
    throw new Error(`want ${status} ${code}, got ${e.statusCode} ${e.serviceCode}: ${e.message}`);
  }
  throw new Error(`want ${status} ${code}, the call succeeded`);
}

async function main() {
  const vn = client(provider);
  const waiters = vn.createWaiters(waitCfg);
  const seen = {};

  const v = await vn.createVcn({ createVcnDetails: { compartmentId: tenancy, cidrBlocks: ["10.7.0.0/16"], displayName: "ts-vcn", dnsLabel: "tsvcn" } });
  seen.vcnCreated = v.vcn.lifecycleState;
  const va = await waiters.forVcn({ vcnId: v.vcn.id }, core.models.Vcn.LifecycleState.Available);
  seen.vcnWaited = va.vcn.lifecycleState;
  seen.vcnDomain = va.vcn.vcnDomainName;

  const sn = await vn.createSubnet({ createSubnetDetails: { compartmentId: tenancy, vcnId: v.vcn.id, cidrBlock: "10.7.1.0/24", displayName: "ts-subnet", prohibitPublicIpOnVnic: true } });
  const sna = await waiters.forSubnet({ subnetId: sn.subnet.id }, core.models.Subnet.LifecycleState.Available);
  seen.subnet = `${sna.subnet.cidrBlock} ${sna.subnet.lifecycleState} router ${sna.subnet.virtualRouterIp}`;
  const subnets = await vn.listSubnets({ compartmentId: tenancy, vcnId: v.vcn.id });
  seen.subnets = subnets.items.length;

  const sl = await vn.createSecurityList({ createSecurityListDetails: { compartmentId: tenancy, vcnId: v.vcn.id, displayName: "ts-list",
    ingressSecurityRules: [{ protocol: "6", source: "0.0.0.0/0", isStateless: true, tcpOptions: { destinationPortRange: { min: 443, max: 443 } } }],
    egressSecurityRules: [{ protocol: "all", destination: "0.0.0.0/0" }] } });
  const sla = await waiters.forSecurityList({ securityListId: sl.securityList.id }, core.models.SecurityList.LifecycleState.Available);
  seen.list = `${sla.securityList.ingressSecurityRules.length} in ${sla.securityList.egressSecurityRules.length} out`;

  const drg = await vn.createDrg({ createDrgDetails: { compartmentId: tenancy, displayName: "ts-drg" } });
  const drga = await waiters.forDrg({ drgId: drg.drg.id }, core.models.Drg.LifecycleState.Available);
  seen.drg = drga.drg.lifecycleState;
  seen.drgTables = (await vn.listDrgRouteTables({ drgId: drg.drg.id })).items.length;

  // Updates with the ETag read; the old one is then stale.
  const got = await vn.getVcn({ vcnId: v.vcn.id });
  const up = await vn.updateVcn({ vcnId: v.vcn.id, ifMatch: got.etag, updateVcnDetails: { displayName: "ts-vcn-2" } });
  seen.vcnRenamed = up.vcn.displayName;
  seen.staleVcn = await refused(vn.updateVcn({ vcnId: v.vcn.id, ifMatch: got.etag, updateVcnDetails: { displayName: "ts-vcn-3" } }), 412, "NoEtagMatch");
  const gs = await vn.getSubnet({ subnetId: sn.subnet.id });
  await vn.updateSubnet({ subnetId: sn.subnet.id, ifMatch: gs.etag, updateSubnetDetails: { displayName: "ts-subnet-2" } });
  seen.staleSubnet = await refused(vn.deleteSubnet({ subnetId: sn.subnet.id, ifMatch: gs.etag }), 412, "NoEtagMatch");
  const gl = await vn.getSecurityList({ securityListId: sl.securityList.id });
  await vn.updateSecurityList({ securityListId: sl.securityList.id, ifMatch: gl.etag, updateSecurityListDetails: { egressSecurityRules: [] } });
  seen.staleList = await refused(vn.deleteSecurityList({ securityListId: sl.securityList.id, ifMatch: gl.etag }), 412, "NoEtagMatch");
  const gd = await vn.getDrg({ drgId: drg.drg.id });
  await vn.updateDrg({ drgId: drg.drg.id, ifMatch: gd.etag, updateDrgDetails: { displayName: "ts-drg-2" } });
  seen.staleDrg = await refused(vn.deleteDrg({ drgId: drg.drg.id, ifMatch: gd.etag }), 412, "NoEtagMatch");

  // A request signed with another key than the user's.
  const { privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  const wrong = new common.SimpleAuthenticationDetailsProvider(tenancy, provider.getUser(), provider.getFingerprint(),
    privateKey.export({ type: "pkcs1", format: "pem" }), null, common.Region.fromRegionId(provider.getRegion().regionId));
  seen.wrongKey = await refused(client(wrong).listVcns({ compartmentId: tenancy }), 401, "NotAuthenticated");

  await vn.deleteDrg({ drgId: drg.drg.id });
  await vn.deleteSubnet({ subnetId: sn.subnet.id });
  const gone = await waiters.forSubnet({ subnetId: sn.subnet.id }, core.models.Subnet.LifecycleState.Terminated);
  seen.subnetDeleted = gone ? gone.subnet.lifecycleState : "gone";
  await vn.deleteSecurityList({ securityListId: sl.securityList.id });
  await vn.deleteVcn({ vcnId: v.vcn.id });
  const vg = await waiters.forVcn({ vcnId: v.vcn.id }, core.models.Vcn.LifecycleState.Terminated);
  seen.vcnDeleted = vg ? vg.vcn.lifecycleState : "gone";
  seen.vcnsLeft = (await vn.listVcns({ compartmentId: tenancy })).items.length;
  console.log(JSON.stringify(seen));
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
