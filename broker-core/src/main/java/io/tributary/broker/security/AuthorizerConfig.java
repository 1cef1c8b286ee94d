package io.tributary.broker.security;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.utils.SecurityUtils;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The authorizer settings, with Kafka's names: {@code authorizer.class.name} (empty: no authorizer,
 * every request is allowed; or one of {@link #BUILT_IN_NAMES}, all naming the built-in
 * {@link AclAuthorizer}), {@code super.users} (principals separated by {@code ;}) and
 * {@code allow.everyone.if.no.acl.found}. Immutable.
 */
public record AuthorizerConfig(boolean enabled, Set<String> superUsers, boolean allowEveryoneIfNoAclFound) {
    /** The names {@code authorizer.class.name} accepts for the built-in authorizer: Kafka's two and Tributary's own. */
    public static final Set<String> BUILT_IN_NAMES = Set.of(
            "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "kafka.security.authorizer.AclAuthorizer",
            AclAuthorizer.class.getName());

    public static final Map<String, String> DEFAULTS = Map.of(
            "authorizer.class.name", "",
            "super.users", "",
            "allow.everyone.if.no.acl.found", "false");

    public AuthorizerConfig {
        superUsers = Set.copyOf(superUsers);
    }

    /**
     * The settings in {@code props}.
     *
     * @throws ConfigException naming the setting: an authorizer class other than the built-in one,
     *                         a super user that is not a principal ({@code User:alice})
     */
    public static AuthorizerConfig from(Map<String, String> props) {
        String className = get(props, "authorizer.class.name").trim();
        if (!className.isEmpty() && !BUILT_IN_NAMES.contains(className)) {
            throw new ConfigException("authorizer.class.name", className, "this broker has only its built-in"
                    + " ACL authorizer, named by any of " + new java.util.TreeSet<>(BUILT_IN_NAMES)
                    + ", or none (empty)");
        }
        Set<String> superUsers = new LinkedHashSet<>();
        for (String s : get(props, "super.users").split(";")) {
            String principal = s.trim();
            if (principal.isEmpty()) continue;
            try {
                KafkaPrincipal p = SecurityUtils.parseKafkaPrincipal(principal);
                superUsers.add(p.getPrincipalType() + ":" + p.getName());
            } catch (IllegalArgumentException e) {
                throw new ConfigException("super.users", principal, "expected principals such as User:admin, separated by ;");
            }
        }
        String allow = get(props, "allow.everyone.if.no.acl.found").trim();
        if (!allow.equalsIgnoreCase("true") && !allow.equalsIgnoreCase("false")) {
            throw new ConfigException("allow.everyone.if.no.acl.found", allow, "expected true or false");
        }
        return new AuthorizerConfig(!className.isEmpty(), superUsers, Boolean.parseBoolean(allow));
    }

    private static String get(Map<String, String> props, String name) {
        String v = props.get(name);
        return v == null ? DEFAULTS.get(name) : v;
    }
}
