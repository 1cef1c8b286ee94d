package io.tributary.broker.api;

import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.Resource;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.utils.SecurityUtils;

/**
 * What the three ACL APIs share: the validation Kafka's controller applies to a new binding and
 * the filter of a DescribeAcls or DeleteAcls request. Stateless.
 */
final class AclRequests {
    private AclRequests() {
    }

    /** @throws InvalidRequestException with Kafka's message when {@code binding} cannot be stored */
    static void validateNew(AclBinding binding) {
        ResourceType type = binding.pattern().resourceType();
        if (type == ResourceType.ANY || type == ResourceType.UNKNOWN) {
            throw new InvalidRequestException("Invalid resourceType " + type);
        }
        PatternType pattern = binding.pattern().patternType();
        if (pattern != PatternType.LITERAL && pattern != PatternType.PREFIXED) {
            throw new InvalidRequestException("Invalid patternType " + pattern);
        }
        AclOperation operation = binding.entry().operation();
        if (operation == AclOperation.ANY || operation == AclOperation.UNKNOWN) {
            throw new InvalidRequestException("Invalid operation " + operation);
        }
        AclPermissionType permission = binding.entry().permissionType();
        if (permission != AclPermissionType.ALLOW && permission != AclPermissionType.DENY) {
            throw new InvalidRequestException("Invalid permissionType " + permission);
        }
        if (binding.entry().host() == null || binding.entry().principal() == null) {
            throw new InvalidRequestException("Invalid null host or principal");
        }
        if (type == ResourceType.CLUSTER && !Resource.CLUSTER_NAME.equals(binding.pattern().name())) {
            throw new InvalidRequestException("The only valid name for the CLUSTER resource is " + Resource.CLUSTER_NAME);
        }
        if (binding.pattern().name().isEmpty()) throw new InvalidRequestException("Invalid empty resource name");
        try {
            SecurityUtils.parseKafkaPrincipal(binding.entry().principal());
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("Invalid principal " + binding.entry().principal()
                    + " (expected <type>:<name>, such as User:alice)");
        }
    }

    /** The filter of one DescribeAcls or DeleteAcls entry, from its wire codes. */
    static AclBindingFilter filter(byte resourceType, String name, byte patternType, String principal, String host,
                                   byte operation, byte permission) {
        AclBindingFilter filter = new AclBindingFilter(
                new ResourcePatternFilter(ResourceType.fromCode(resourceType), name, PatternType.fromCode(patternType)),
                new AccessControlEntryFilter(principal, host, AclOperation.fromCode(operation),
                        AclPermissionType.fromCode(permission)));
        if (filter.isUnknown()) throw new InvalidRequestException("Unknown filter " + filter);
        return filter;
    }
}
