import { Permission } from 'node-zookeeper-client';
import { appAclSpec, digestId, toZkAcls } from '../src/acl';

describe('digest ACLs', () => {
  it('derives the same id as ZooKeeper DigestAuthenticationProvider.generateDigest', () => {
    // The superDigest ZooKeeper's own test suite uses for super:test.
    expect(digestId('super', 'test')).toBe('super:D/InIHSb7yEEbrWz8b9l71RjZJU=');
    expect(digestId('super', 'Test')).not.toBe('super:D/InIHSb7yEEbrWz8b9l71RjZJU=');
  });

  it('without auth every znode is world ALL (OPEN_ACL_UNSAFE)', () => {
    expect(appAclSpec(null)).toEqual([{ scheme: 'world', id: 'anyone', perms: Permission.ALL }]);
  });

  it('with auth: ALL for the app user, READ for everyone else', () => {
    const spec = appAclSpec({ user: 'app', password: 'secret' });
    expect(spec).toEqual([
      { scheme: 'digest', id: digestId('app', 'secret'), perms: Permission.ALL },
      { scheme: 'world', id: 'anyone', perms: Permission.READ },
    ]);
    expect(Permission.READ).toBe(1);
    expect(Permission.ALL).toBe(31);
  });

  it('toZkAcls builds node-zookeeper-client ACL objects', () => {
    const acls = toZkAcls(appAclSpec({ user: 'u', password: 'p' }));
    expect(acls).toHaveLength(2);
    const a0 = acls[0] as unknown as { permission: number; id: { scheme: string; id: string } };
    expect(a0.permission).toBe(31);
    expect(a0.id).toMatchObject({ scheme: 'digest', id: digestId('u', 'p') });
  });
});
