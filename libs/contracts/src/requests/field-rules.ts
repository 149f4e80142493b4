import { ValidateBy, type ValidationOptions } from 'class-validator';
import { FIELD_LIMITS, notEditableMessage, checkDomainName, checkEmail, checkGuid, checkMpnId, checkPhone, checkProducts, checkSha256, checkText, checkWorkloads } from '@cpor/domain';

type FieldCheck = (errors: string[], path: string, value: unknown) => void;

/**
 * A class-validator decorator that runs one of the domain's field checks: the request classes of
 * HTTP and Kafka refuse exactly what the domain refuses, with its message (`<path> <problem>`;
 * validateContract puts the full path in front). class-validator has no way to reuse a plain
 * function's messages, hence this small bridge.
 */
function followsDomain(name: string, check: FieldCheck, options?: ValidationOptions): PropertyDecorator {
  const problems = (property: string, value: unknown) => {
    const errors: string[] = [];
    check(errors, property, value);
    return errors;
  };
  return ValidateBy(
    {
      name,
      validator: {
        validate: (value, args) => problems(args!.property, value).length === 0,
        defaultMessage: (args) => problems(args!.property, args!.value).join('; '),
      },
    },
    options,
  );
}

const text = (max: number) => (errors: string[], path: string, value: unknown) => checkText(errors, path, value, max);

/** A non-blank name (contact, customer, workload, file, document id): at most FIELD_LIMITS.name characters. */
export const IsName = (options?: ValidationOptions) => followsDomain('isName', text(FIELD_LIMITS.name), options);
/** A non-blank comment or justification: at most FIELD_LIMITS.text characters. */
export const IsLongText = (options?: ValidationOptions) => followsDomain('isLongText', text(FIELD_LIMITS.text), options);
export const IsSubscriptionOrTenantId = () => followsDomain('isSubscriptionOrTenantId', text(FIELD_LIMITS.subscriptionOrTenantId));
export const IsMpnId = () => followsDomain('isMpnId', checkMpnId);
export const IsEmailAddress = () => followsDomain('isEmailAddress', checkEmail);
export const IsPhoneNumber = () => followsDomain('isPhoneNumber', checkPhone);
export const IsGuid = () => followsDomain('isGuid', checkGuid);
export const IsDomainName = () => followsDomain('isDomainName', checkDomainName);
export const IsSha256 = () => followsDomain('isSha256', checkSha256);
export const IsProducts = () => followsDomain('isProducts', checkProducts);
export const IsWorkloads = () => followsDomain('isWorkloads', checkWorkloads);

/** A claim field no edit may change: refused by name whenever it is present (the domain's wording). */
export const IsNeverEditable = () =>
  followsDomain('isNeverEditable', (errors, path, value) => {
    if (value !== undefined) errors.push(notEditableMessage(path));
  });
