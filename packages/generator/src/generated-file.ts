/** One file the generator writes, relative to the environment folder. */
export interface GeneratedFile {
  /** Path relative to the environment folder, e.g. `generated/redis-cluster.values.yaml`. */
  readonly path: string;
  readonly content: string;
}
