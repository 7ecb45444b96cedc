import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsString, MaxLength, MinLength } from 'class-validator';
import { CHALLENGE_SUBJECTS, ChallengeSubject } from './challenge-rules';

/** POST /tenders/{id}/challenges: 质疑 to the procurement process or the award (GPL Art. 52). */
export class FileChallengeDto {
  @ApiProperty({ enum: CHALLENGE_SUBJECTS, description: 'PROCESS: the opening (a step that ended); AWARD: the award. The documents: POST /tenders/{id}/objections' })
  @IsIn(CHALLENGE_SUBJECTS)
  subject: ChallengeSubject;

  @ApiProperty({ example: '评审过程中未对我公司的澄清予以采纳' })
  @IsString()
  @MinLength(1)
  @MaxLength(20000)
  text: string;
}

/** POST /tenders/{id}/challenges/{challengeId}/answer: the purchaser's written answer (GPL Art. 53). */
export class AnswerChallengeDto {
  @ApiProperty({ example: '经复核，评审程序合法，质疑不成立' })
  @IsString()
  @MinLength(1)
  @MaxLength(20000)
  answer: string;

  @ApiProperty({ description: 'Whether the challenge is founded' })
  @IsBoolean()
  upheld: boolean;
}
