import { Module } from '@nestjs/common';
import { ServiceCoreModule } from '@cpor/platform';
import { ReviewDeadlineEvents, ReviewDeadlines } from './deadlines/review-deadlines.js';
import { ReviewsController } from './reviews/reviews.controller.js';
import { ReviewsService } from './reviews/reviews.service.js';

@Module({
  imports: [ServiceCoreModule.forService('review')],
  controllers: [ReviewsController, ReviewDeadlineEvents],
  providers: [ReviewsService, ReviewDeadlines],
})
export class ReviewModule {}
