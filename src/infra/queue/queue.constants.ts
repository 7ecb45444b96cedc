/**
 * Every queue, job and timed-event name in one place.
 * DO NOT RENAME a value: jobs already in Redis and rows in scheduled_events carry these strings.
 */
export enum QueueName {
  /** Timed events of a tender's life (deadline, decryption window, panel draw, publicity end, refunds). */
  TimedEvents = 'timed-events',
  /** Work started by an event that need not happen inside a request (flag analysis, documents). */
  Background = 'background',
}

export enum JobName {
  /** Runs one row of scheduled_events when it falls due. */
  RunScheduledEvent = 'run-scheduled-event',
  /** Former Redis-side sweeper (a job scheduler): replaced by an in-process timer in every worker; still handled. */
  SweepScheduledEvents = 'sweep-scheduled-events',
  /** Delivers one row of the notifications outbox (e-mail/SMS to prospective bidders...); notifications module. */
  DeliverNotification = 'deliver-notification',
  /** Computes one tender's collusion flags after its opening (and again after the award); supervision module. */
  ComputeTenderFlags = 'compute-tender-flags',
  /** Recomputes the history flags (serial losers, rotation, rings, R024/R058) after an award; supervision module. */
  ComputeHistoryFlags = 'compute-history-flags',
  /** Renders and stores the PDF of a tender's opening record (开标记录) after the opening commits; opening module. */
  RenderOpeningRecordPdf = 'render-opening-record-pdf',
}

/**
 * The kinds of timed event. Each kind has exactly one handler, registered by the module that owns it; the worker
 * refuses to start when one is missing.
 */
export enum ScheduledEventKind {
  // Each feature module adds its kinds here, e.g. BidDeadline = 'BID_DEADLINE' (投标截止 / 开标).
  /** 投标截止 / 开标: the tender's bid deadline (= opening time); handled by the tenders module. */
  BidDeadline = 'BID_DEADLINE',
  /** 异议答复期限届满: the procuring entity's 3 days to answer an objection end (TBR Art. 22); tenders module. */
  ObjectionAnswerDue = 'OBJECTION_ANSWER_DUE',
  /** 投标保证金退还: pays a planned bid-security refund (TBR Arts. 31, 35, 57; MOF87 Arts. 29, 38); bid-security module. */
  BidSecurityRefund = 'BID_SECURITY_REFUND',
  /** 解密时限届满: the bid-decryption window closes (EB20 Arts. 30-31); handled by the opening module. */
  DecryptionWindowClose = 'DECRYPTION_WINDOW_CLOSE',
  /** 随机抽取评标专家: selects the committee from the committed seed (TBL Art. 37; TBR Art. 46); experts module. */
  PanelDraw = 'PANEL_DRAW',
  /** An invited expert did not accept in time: a replacement is drawn (TBR Art. 48); experts module. */
  ExpertAcceptTimeout = 'EXPERT_ACCEPT_TIMEOUT',
  /** 中标候选人公示 / 中标结果公告 ends (TBR Art. 54; MOF87 Art. 69); evaluation module. */
  PublicityEnd = 'PUBLICITY_END',
  /** Procurement: 5 working days after the report, rank 1 is deemed chosen (MOF87 Art. 68); evaluation module. */
  AwardDecisionDue = 'AWARD_DECISION_DUE',
  /**
   * 串通投标监测: compute a tender's collusion flags, planned (runAt = now) in the transaction that opens the
   * evaluation or issues the award notice, so a Redis loss cannot lose it; supervision module.
   */
  ComputeTenderFlags = 'COMPUTE_TENDER_FLAGS',
  /**
   * 串通投标监测: retrain the learning price screen of the market of a closed supervision case (subject: the case),
   * planned (runAt = now) in the transaction that closes the case; supervision module (ScreenModelsService).
   */
  RetrainScreenModel = 'RETRAIN_SCREEN_MODEL',
  /** 暂停期限届满: a procurement complaint's suspension ends after at most 30 days (GPL Art. 57); supervision module. */
  ComplaintSuspensionEnd = 'COMPLAINT_SUSPENSION_END',
  /** 容缺预招标: the date pledged for a pending approval (subject: the item); tenders module (PreTenderService). */
  PendingApprovalDue = 'PENDING_APPROVAL_DUE',
  /**
   * Blob-store hygiene of format v2 bid files: abandoned uploads and replaced versions' files are deleted; each run
   * plans the next (subject: a fresh id per run); bids module (BidBlobHygieneService).
   */
  BidBlobHygiene = 'BID_BLOB_HYGIENE',
  /**
   * Sealed identities (issue 17): at the (original) bid deadline of a tender that ended before it (cancelled, failed),
   * what was sealed to its identity key is opened — announced as SealedIdentitiesDue (subject: the tender); tenders
   * module (EndedTenderUnsealing).
   */
  SealedIdentitiesDue = 'SEALED_IDENTITIES_DUE',
}
