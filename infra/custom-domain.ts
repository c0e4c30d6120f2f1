import type { ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import { DomainName } from 'aws-cdk-lib/aws-apigatewayv2';
import { ARecord, AaaaRecord, RecordTarget, type IHostedZone } from 'aws-cdk-lib/aws-route53';
import { ApiGatewayv2DomainProperties } from 'aws-cdk-lib/aws-route53-targets';
import type { Construct } from 'constructs';

export interface CustomDomainProps {
  domainName: string;
  /** Regional: in the stack's region (API Gateway v2 domains are regional). */
  certificate: ICertificate;
  /** Alias records (A and AAAA) for the name in this zone. */
  hostedZone?: IHostedZone;
}

/** An API Gateway v2 domain name (TLS 1.2), and its alias records when a zone is given. */
export function customDomain(scope: Construct, props: CustomDomainProps): DomainName {
  const domain = new DomainName(scope, 'Domain', { domainName: props.domainName, certificate: props.certificate });
  if (props.hostedZone) {
    const target = RecordTarget.fromAlias(new ApiGatewayv2DomainProperties(domain.regionalDomainName, domain.regionalHostedZoneId));
    new ARecord(scope, 'DomainAlias', { zone: props.hostedZone, recordName: props.domainName, target });
    new AaaaRecord(scope, 'DomainAliasIpv6', { zone: props.hostedZone, recordName: props.domainName, target });
  }
  return domain;
}
