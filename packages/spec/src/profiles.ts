/**
 * Resource profiles, chosen per cluster in `environments/clusters.yaml`. A profile supplies the
 * defaults that depend on the hardware; anything set in an environment spec wins.
 */
import type { ProfileName } from './types.ts';

export interface Profile {
  readonly name: ProfileName;
  readonly description: string;
  readonly resources: {
    readonly requests: { readonly cpu: string; readonly memory: string };
    readonly limits: { readonly cpu?: string; readonly memory: string };
  };
  /** Per-pod data volume. */
  readonly persistenceSize: string;
  /** RDB schedule; fewer snapshots where storage is an SD card or slow USB disk. */
  readonly rdbSave: string;
}

export const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  standard: {
    name: 'standard',
    description: 'General-purpose x86 or arm64 nodes with several GiB of memory per node.',
    resources: { requests: { cpu: '250m', memory: '1Gi' }, limits: { memory: '1Gi' } },
    persistenceSize: '8Gi',
    rdbSave: '3600 1 300 100 60 10000',
  },
  small: {
    name: 'small',
    description: 'Small nodes or shared dev clusters.',
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '256Mi' } },
    persistenceSize: '2Gi',
    rdbSave: '3600 1 300 100',
  },
  rpi4: {
    name: 'rpi4',
    description:
      'Raspberry Pi 4 (arm64, DietPi): 4-8 GiB shared by everything on the node, SD or USB storage. ' +
      'Small memory limits, a CPU cap so Redis cannot starve the kubelet, and rarer snapshots to spare the SD card.',
    resources: { requests: { cpu: '100m', memory: '192Mi' }, limits: { cpu: '1', memory: '256Mi' } },
    persistenceSize: '2Gi',
    rdbSave: '3600 1 900 100',
  },
};
