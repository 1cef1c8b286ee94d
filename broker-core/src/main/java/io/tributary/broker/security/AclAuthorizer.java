package io.tributary.broker.security;

import io.tributary.broker.network.RequestContext;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.server.authorizer.AuthorizationResult;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The built-in authorizer: Kafka's ACL model as its {@code StandardAuthorizer} applies it.
 *
 * <ul>
 *   <li>A principal listed in {@code super.users} may do anything.</li>
 *   <li>The ACLs that apply to a resource are those of its type whose pattern matches its name: a
 *       {@code LITERAL} pattern of the same name or of the wildcard {@code *}, a {@code PREFIXED}
 *       pattern the name starts with. When there are none, {@code allow.everyone.if.no.acl.found}
 *       decides.</li>
 *   <li>Of those, an entry applies to a request when its principal is the request's or
 *       {@code User:*} and its host is the client's address or {@code *}.</li>
 *   <li>A {@code DENY} entry for the operation or {@code ALL} denies, whatever allows it (deny
 *       wins). Otherwise an {@code ALLOW} entry for the operation, for {@code ALL}, or for an
 *       operation implying it allows: {@code READ}, {@code WRITE}, {@code DELETE} and {@code ALTER}
 *       imply {@code DESCRIBE}; {@code ALTER_CONFIGS} implies {@code DESCRIBE_CONFIGS}. Anything
 *       else is denied.</li>
 * </ul>
 *
 * <p>The ACLs are replaced as a whole ({@link #replaceAcls}) each time the stored set changes:
 * from the committed metadata in a cluster, from the local {@link AclFile} on a node alone.
 * Thread-safe and non-blocking: {@link #authorize} reads one volatile reference to an immutable
 * index.
 */
public final class AclAuthorizer implements RequestAuthorizer {
    private static final String WILDCARD_PRINCIPAL = KafkaPrincipal.USER_TYPE + ":*";
    private static final String WILDCARD_HOST = "*";

    private final Set<String> superUsers;
    private final boolean allowEveryoneIfNoAclFound;
    private volatile Index index = new Index(List.of());

    public AclAuthorizer(Set<String> superUsers, boolean allowEveryoneIfNoAclFound) {
        this.superUsers = Set.copyOf(superUsers);
        this.allowEveryoneIfNoAclFound = allowEveryoneIfNoAclFound;
    }

    public AclAuthorizer(AuthorizerConfig config) {
        this(config.superUsers(), config.allowEveryoneIfNoAclFound());
    }

    /** From now on, {@code acls} are the ACLs in force. */
    public void replaceAcls(Collection<AclBinding> acls) {
        index = new Index(acls);
    }

    /** The ACLs in force that {@code filter} matches. */
    public List<AclBinding> acls(AclBindingFilter filter) {
        List<AclBinding> out = new ArrayList<>();
        for (AclBinding b : index.all) if (filter.matches(b)) out.add(b);
        return out;
    }

    @Override
    public AuthorizationResult authorize(RequestContext context, AclOperation operation, ResourcePattern resource) {
        return authorize(context.principal(), context.clientHost(), operation, resource);
    }

    /** The decision for {@code principal} connecting from {@code host} (an IP address) on a resource named literally. */
    public AuthorizationResult authorize(KafkaPrincipal principal, String host, AclOperation operation,
                                         ResourcePattern resource) {
        String who = principal.getPrincipalType() + ":" + principal.getName();
        if (superUsers.contains(who)) return AuthorizationResult.ALLOWED;
        List<AclBinding> matching = index.matching(resource.resourceType(), resource.name());
        if (matching.isEmpty()) {
            return allowEveryoneIfNoAclFound ? AuthorizationResult.ALLOWED : AuthorizationResult.DENIED;
        }
        boolean allowed = false;
        for (AclBinding b : matching) {
            AccessControlEntry e = b.entry();
            if (!e.principal().equals(who) && !e.principal().equals(WILDCARD_PRINCIPAL)) continue;
            if (!e.host().equals(host) && !e.host().equals(WILDCARD_HOST)) continue;
            if (e.permissionType() == AclPermissionType.DENY) {
                if (e.operation() == operation || e.operation() == AclOperation.ALL) return AuthorizationResult.DENIED;
            } else if (e.permissionType() == AclPermissionType.ALLOW && implies(e.operation(), operation)) {
                allowed = true;
            }
        }
        return allowed ? AuthorizationResult.ALLOWED : AuthorizationResult.DENIED;
    }

    /**
     * Kafka's {@code Authorizer.authorizeByResourceType}: allowed when a resource of {@code type}
     * the principal has never been given ACLs for would be allowed (super users,
     * {@code allow.everyone.if.no.acl.found}), or when an ALLOW entry for the operation (or
     * {@code ALL}) on some pattern of {@code type} is not overridden by a DENY on the wildcard, on
     * a prefix of it, or on the same literal name.
     */
    @Override
    public AuthorizationResult authorizeByResourceType(RequestContext context, AclOperation operation, ResourceType type) {
        KafkaPrincipal principal = context.principal();
        String host = context.clientHost();
        if (authorize(principal, host, operation, new ResourcePattern(type, "hardcode", PatternType.LITERAL))
                == AuthorizationResult.ALLOWED) {
            return AuthorizationResult.ALLOWED;
        }
        String who = principal.getPrincipalType() + ":" + principal.getName();
        List<AclBinding> allows = new ArrayList<>();
        Set<String> deniedLiterals = new java.util.HashSet<>();
        List<String> deniedPrefixes = new ArrayList<>();
        for (AclBinding b : index.all) {
            AccessControlEntry e = b.entry();
            if (b.pattern().resourceType() != type) continue;
            if (!e.principal().equals(who) && !e.principal().equals(WILDCARD_PRINCIPAL)) continue;
            if (!e.host().equals(host) && !e.host().equals(WILDCARD_HOST)) continue;
            if (e.operation() != operation && e.operation() != AclOperation.ALL) continue;
            if (e.permissionType() == AclPermissionType.DENY) {
                if (b.pattern().patternType() == PatternType.LITERAL) {
                    if (ResourcePattern.WILDCARD_RESOURCE.equals(b.pattern().name())) return AuthorizationResult.DENIED;
                    deniedLiterals.add(b.pattern().name());
                } else {
                    deniedPrefixes.add(b.pattern().name());
                }
            } else {
                allows.add(b);
            }
        }
        for (AclBinding b : allows) {
            String name = b.pattern().name();
            if (deniedPrefixes.stream().anyMatch(name::startsWith)) continue;
            if (b.pattern().patternType() == PatternType.LITERAL && deniedLiterals.contains(name)) continue;
            return AuthorizationResult.ALLOWED;
        }
        return AuthorizationResult.DENIED;
    }

    /** Whether an ALLOW entry for {@code granted} allows {@code requested}. */
    static boolean implies(AclOperation granted, AclOperation requested) {
        if (granted == requested || granted == AclOperation.ALL) return true;
        return switch (requested) {
            case DESCRIBE -> granted == AclOperation.READ || granted == AclOperation.WRITE
                    || granted == AclOperation.DELETE || granted == AclOperation.ALTER;
            case DESCRIBE_CONFIGS -> granted == AclOperation.ALTER_CONFIGS;
            default -> false;
        };
    }

    /** The ACLs grouped by resource type, literal ones by name. Immutable. */
    private static final class Index {
        final List<AclBinding> all;
        final Map<ResourceType, Map<String, List<AclBinding>>> literal = new EnumMap<>(ResourceType.class);
        final Map<ResourceType, List<AclBinding>> prefixed = new EnumMap<>(ResourceType.class);

        Index(Collection<AclBinding> acls) {
            this.all = List.copyOf(acls);
            for (AclBinding b : all) {
                ResourcePattern p = b.pattern();
                if (p.patternType() == PatternType.LITERAL) {
                    literal.computeIfAbsent(p.resourceType(), t -> new java.util.HashMap<>())
                            .computeIfAbsent(p.name(), n -> new ArrayList<>()).add(b);
                } else if (p.patternType() == PatternType.PREFIXED) {
                    prefixed.computeIfAbsent(p.resourceType(), t -> new ArrayList<>()).add(b);
                }
            }
        }

        List<AclBinding> matching(ResourceType type, String name) {
            List<AclBinding> out = new ArrayList<>();
            Map<String, List<AclBinding>> byName = literal.getOrDefault(type, Map.of());
            out.addAll(byName.getOrDefault(name, List.of()));
            if (!ResourcePattern.WILDCARD_RESOURCE.equals(name)) {
                out.addAll(byName.getOrDefault(ResourcePattern.WILDCARD_RESOURCE, List.of()));
            }
            for (AclBinding b : prefixed.getOrDefault(type, List.of())) {
                if (name.startsWith(b.pattern().name())) out.add(b);
            }
            return out;
        }
    }
}
