/**
 * ACL helpers. With digest auth configured, every znode the app creates gets
 * ALL for the app's digest identity and READ for everyone; otherwise the
 * ZooKeeper default OPEN_ACL_UNSAFE (world:anyone ALL).
 */
import { createHash } from 'node:crypto';
import { ACL, Id, Permission } from 'node-zookeeper-client';

export interface DigestAuth {
  user: string;
  password: string;
}

/**
 * The id ZooKeeper's DigestAuthenticationProvider derives for user:password:
 * "user:" + base64(sha1("user:password")).
 */
export function digestId(user: string, password: string): string {
  const hash = createHash('sha1').update(`${user}:${password}`, 'utf8').digest('base64');
  return `${user}:${hash}`;
}

export interface AclSpec {
  scheme: string;
  id: string;
  perms: number;
}

/** Pure description of the ACL list the app uses (tested directly). */
export function appAclSpec(auth: DigestAuth | null): AclSpec[] {
  if (auth === null) {
    return [{ scheme: 'world', id: 'anyone', perms: Permission.ALL }];
  }
  return [
    { scheme: 'digest', id: digestId(auth.user, auth.password), perms: Permission.ALL },
    { scheme: 'world', id: 'anyone', perms: Permission.READ },
  ];
}

export function toZkAcls(spec: readonly AclSpec[]): ACL[] {
  return spec.map((s) => new ACL(s.perms, new Id(s.scheme, s.id)));
}
