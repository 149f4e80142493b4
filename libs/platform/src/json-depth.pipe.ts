import { BadRequestException, Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { MAX_JSON_DEPTH, valueTooDeep } from '@cpor/kernel';

/**
 * Refuses a body or query nested deeper than MAX_JSON_DEPTH with 400, before the validation pipe's
 * class-transformer recurses into it (5,000 levels overflowed its stack: a 500).
 */
@Injectable()
export class JsonDepthPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if ((metadata.type === 'body' || metadata.type === 'query') && valueTooDeep(value)) {
      throw new BadRequestException([`${metadata.type} nests deeper than ${MAX_JSON_DEPTH} levels`]);
    }
    return value;
  }
}
