/**
 * Certificates for TLS behaviour tests, made by the machine's `openssl` (Debian's OpenSSL 3): a CA,
 * pod certificates it signs (also ones valid only in the past), and the files of a cert-manager
 * Secret (tls.crt, tls.key, ca.crt) written the way kubelet updates a mounted Secret: all files
 * change at once (a `..data` symlink swap).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** A key pair and its certificate, as PEM files in `dir`. */
export interface CertFiles {
  readonly name: string;
  readonly crt: string;
  readonly key: string;
}

export interface CertOptions {
  /** Validity in days from now. @default 2 */
  readonly days?: number;
  /** A validity window instead of `days`, as OpenSSL dates (YYYYMMDDHHMMSSZ), e.g. one wholly in the past. */
  readonly window?: { readonly notBefore: string; readonly notAfter: string };
}

function openssl(dir: string, args: readonly string[]): void {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`openssl ${args.join(' ')} failed (the TLS tests need Debian's openssl): ${err.stderr?.toString().trim() || err.message}`);
  }
}

/** A self-signed CA `name` in `dir` (name.crt, name.key). */
export function makeCa(dir: string, name: string, days = 2): CertFiles {
  mkdirSync(dir, { recursive: true });
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', String(days), '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.crt`]);
  return { name, crt: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
}

/** A certificate `name` (CN=name) signed by `ca`, in `dir` (name.crt, name.key). */
export function makeCert(dir: string, name: string, ca: CertFiles, options: CertOptions = {}): CertFiles {
  mkdirSync(dir, { recursive: true });
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`]);
  if (options.window) {
    // `openssl ca` is the one OpenSSL 3.0 command that takes an explicit validity window.
    const db = path.join(dir, `${name}.ca-db`);
    mkdirSync(db, { recursive: true });
    writeFileSync(path.join(db, 'index.txt'), '');
    writeFileSync(path.join(db, 'serial'), '01\n');
    const cnf = path.join(db, 'ca.cnf');
    writeFileSync(
      cnf,
      [
        '[ca]',
        'default_ca = d',
        '[d]',
        `database = ${db}/index.txt`,
        `new_certs_dir = ${db}`,
        `serial = ${db}/serial`,
        'default_md = sha256',
        'policy = p',
        'unique_subject = no',
        '[p]',
        'commonName = supplied',
        '',
      ].join('\n'),
    );
    openssl(dir, [
      'ca',
      '-batch',
      '-notext',
      '-config',
      cnf,
      '-cert',
      ca.crt,
      '-keyfile',
      ca.key,
      '-in',
      `${name}.csr`,
      '-out',
      `${name}.crt`,
      '-startdate',
      options.window.notBefore,
      '-enddate',
      options.window.notAfter,
    ]);
  } else {
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', ca.crt, '-CAkey', ca.key, '-CAcreateserial', '-days', String(options.days ?? 2), '-out', `${name}.crt`]);
  }
  return { name, crt: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
}

/** The PEM text of the CAs' certificates, concatenated (a trust bundle). */
export function caBundle(...cas: CertFiles[]): string {
  return `${cas.map((c) => readFileSync(c.crt, 'utf8').trimEnd()).join('\n')}\n`;
}

/** The files of a TLS Secret, as a mounted Secret volume shows them. */
export interface TlsSecretFiles {
  /** The pod certificate (tls.crt, tls.key). */
  readonly cert?: CertFiles;
  /** ca.crt's PEM text (e.g. caBundle(old, new)). */
  readonly ca?: string;
  /** tls.key's PEM text when it must differ from cert's key (a mismatched pair). */
  readonly key?: string;
}

/**
 * Updates a mounted TLS Secret dir as kubelet does (atomic writer): the files live in a fresh
 * `..<n>` dir, `..data` is a symlink to it, swapped by one rename, and tls.crt, tls.key, ca.crt are
 * symlinks through `..data`. A reader sees every file old or every file new, never a mix. Files
 * not given keep their current content.
 */
export function writeTlsSecret(dir: string, files: TlsSecretFiles): void {
  mkdirSync(dir, { recursive: true });
  const current = (name: string): string | undefined => {
    try {
      return readFileSync(path.join(dir, name), 'utf8');
    } catch {
      return undefined;
    }
  };
  const next: Record<string, string | undefined> = {
    'tls.crt': files.cert ? readFileSync(files.cert.crt, 'utf8') : current('tls.crt'),
    'tls.key': files.key ?? (files.cert ? readFileSync(files.cert.key, 'utf8') : current('tls.key')),
    'ca.crt': files.ca ?? current('ca.crt'),
  };
  const old = existsSync(path.join(dir, '..data')) ? readlinkSync(path.join(dir, '..data')) : undefined;
  const version = `..${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
  mkdirSync(path.join(dir, version));
  for (const [name, text] of Object.entries(next)) if (text !== undefined) writeFileSync(path.join(dir, version, name), text, { mode: 0o600 });
  symlinkSync(version, path.join(dir, '..data_tmp'));
  renameSync(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
  for (const name of Object.keys(next)) {
    const link = path.join(dir, name);
    if (!existsSync(link)) symlinkSync(path.join('..data', name), link);
  }
  if (old) rmSync(path.join(dir, old), { recursive: true, force: true });
}

/** PEM texts for a RespConnection's `tls` option (RespTlsOptions). */
export function tlsClientOptions(ca: string, cert: CertFiles): { ca: string; cert: string; key: string } {
  return { ca, cert: readFileSync(cert.crt, 'utf8'), key: readFileSync(cert.key, 'utf8') };
}
