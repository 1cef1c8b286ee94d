package io.tributary.broker.api;

import io.tributary.broker.network.RequestContext;
import io.tributary.broker.security.AclAuthorizer;
import io.tributary.broker.security.AclChanges;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.message.CreateAclsRequestData;
import org.apache.kafka.common.message.CreateAclsResponseData;
import org.apache.kafka.common.message.CreateAclsResponseData.AclCreationResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.CreateAclsRequest;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * CreateAcls: stores the valid bindings of the request in one change (the replicated metadata in a
 * cluster, the local ACL file on a node alone) and answers each creation in request order: an
 * invalid one {@code INVALID_REQUEST} with the reason, the others the outcome of the change.
 * Without an authorizer every creation is {@code SECURITY_DISABLED}, as Kafka answers.
 * The ALTER on CLUSTER it needs is checked by the dispatcher.
 */
public final class CreateAclsHandler implements ApiHandler<CreateAclsRequestData> {
    private final AclAuthorizer authorizer;
    private final Supplier<AclChanges> changes;

    /** @param authorizer null when no authorizer is configured */
    public CreateAclsHandler(AclAuthorizer authorizer, Supplier<AclChanges> changes) {
        this.authorizer = authorizer;
        this.changes = changes;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, CreateAclsRequestData request) {
        CreateAclsResponseData response = new CreateAclsResponseData();
        List<AclCreationResult> results = new ArrayList<>();
        List<AclBinding> valid = new ArrayList<>();
        List<AclCreationResult> validResults = new ArrayList<>();
        for (CreateAclsRequestData.AclCreation creation : request.creations()) {
            AclCreationResult result = new AclCreationResult();
            results.add(result);
            if (authorizer == null) {
                result.setErrorCode(Errors.SECURITY_DISABLED.code()).setErrorMessage("No authorizer is configured.");
                continue;
            }
            try {
                AclBinding binding = CreateAclsRequest.aclBinding(creation);
                AclRequests.validateNew(binding);
                valid.add(binding);
                validResults.add(result);
            } catch (IllegalArgumentException e) { // kafka-clients refusing a pattern type of ANY or MATCH
                result.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage(e.getMessage());
            } catch (RuntimeException e) {
                result.setErrorCode(Errors.forException(e).code()).setErrorMessage(e.getMessage());
            }
        }
        if (!valid.isEmpty()) {
            try {
                changes.get().add(valid);
            } catch (RuntimeException e) {
                for (AclCreationResult r : validResults) {
                    r.setErrorCode(Errors.forException(e).code()).setErrorMessage(e.getMessage());
                }
            }
        }
        return CompletableFuture.completedFuture(response.setResults(results));
    }
}
